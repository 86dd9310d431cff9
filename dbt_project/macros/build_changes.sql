-- The checks within documents are incremental: a document version's own rows depend only on its
-- records, its file name and the project, so a build made from the served warehouse computes them
-- for the versions listed in meta.build_changes alone (new, parsed again, renamed or gone), and a
-- full build, where every version is listed and no table exists yet, for all of them.

-- The rows of the versions this build computes: in the final select of each incremental model.
{% macro changed_documents_only(column) -%}
    {%- if is_incremental() %}
    where {{ column }} in (select document_sha256 from {{ source('meta', 'build_changes') }})
    {%- endif %}
{%- endmacro %}

-- Their rows as the served build left them, deleted before the new ones are appended: the pre-hook
-- of every incremental model.
{% macro forget_changed_documents(column='document_sha256s') -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ column }} in (select document_sha256 from {{ source('meta', 'build_changes') }})
    {%- endif -%}
{%- endmacro %}
