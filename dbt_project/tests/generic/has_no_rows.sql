{#- Fails (or warns, with severity: warn) while the model has any row: for audit models. -#}
{% test has_no_rows(model) %}
select * from {{ model }}
{% endtest %}
