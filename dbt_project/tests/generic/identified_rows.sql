{#- A row id that is unique and never null, and columns never null, tested in one query: for a view
    that computes its rows anew each time it is read (audit_cross_document_checks), where a unique
    and a not_null test per column would compute it once each. A failing row names what failed. -#}
{% test identified_rows(model, row_id, not_null) %}
with checked as materialized (

    select * from {{ model }}

),

shared_ids as (

    select
        {{ row_id }} as row_id,
        count(*) || ' rows share this {{ row_id }}' as failure
    from checked
    where {{ row_id }} is not null
    group by {{ row_id }}
    having count(*) > 1

),

incomplete_rows as (

    select
        {{ row_id }} as row_id,
        'null ' || concat_ws(', '
            {%- for column in [row_id] + not_null %}
            , case when {{ column }} is null then '{{ column }}' end
            {%- endfor %}
        ) as failure
    from checked
    where {% for column in [row_id] + not_null -%}
        {{ column }} is null{% if not loop.last %} or {% endif %}
    {%- endfor %}

)

select * from shared_ids
union all
select * from incomplete_rows
{% endtest %}
