{#- A view's key and its required columns in one query: the key (a column, or columns together)
    unique and never null, and the other columns listed never null. A unique and a not_null test
    per column would each compute the view again, and each is a node of every build that tests the
    view (the one-document night, docs/performance.md). A failing row names its key and what failed. -#}
{% test identified_rows(model, key, not_null=[]) %}
{%- set key_columns = [key] if key is string else key -%}
{%- set required = (key_columns + not_null) | unique | list -%}
{%- set row_key = "concat_ws(' / ', " ~ (key_columns | join(', ')) ~ ")" -%}
with checked as materialized (

    select {{ required | join(', ') }}
    from {{ model }}

),

shared_keys as (

    select
        {{ row_key }} as row_key,
        count(*) || ' rows share this {{ key_columns | join(", ") }}' as failure
    from checked
    where {% for column in key_columns -%}
        {{ column }} is not null{% if not loop.last %} and {% endif %}
    {%- endfor %}
    group by {{ key_columns | join(', ') }}
    having count(*) > 1

),

incomplete_rows as (

    select
        {{ row_key }} as row_key,
        'null ' || concat_ws(', '
            {%- for column in required %}
            , case when {{ column }} is null then '{{ column }}' end
            {%- endfor %}
        ) as failure
    from checked
    where {% for column in required -%}
        {{ column }} is null{% if not loop.last %} or {% endif %}
    {%- endfor %}

)

select * from shared_keys
union all
select * from incomplete_rows
{% endtest %}
