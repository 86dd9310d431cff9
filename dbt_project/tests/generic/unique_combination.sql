{#- The columns together identify a row (dbt-utils' unique_combination_of_columns, without a package
    download: the dbt hub is not reachable from every machine that builds jixiao). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
