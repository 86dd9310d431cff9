{#- A test whose `where` names __versions_this_build_computes__ reads only the rows of the document
    versions listed in meta.build_changes: every landed version in a full build; in a build made
    from the served warehouse, those new to it, parsed again, renamed or gone. A version's records
    never change once landed and its rows were tested on the night it came, so the one-document
    night tests one document's rows instead of every document's (docs/performance.md). `where` in
    dbt_project.yml cannot call source(), hence the placeholder. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set changed -%}
            (select document_sha256 from {{ source('meta', 'build_changes') }})
        {%- endset -%}
        {%- set where = where | replace('__versions_this_build_computes__', changed) -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
