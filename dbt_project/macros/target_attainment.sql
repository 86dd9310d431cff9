{#- Whether an actual meets a target, both in the indicator's base unit.
    met / not met / no actual yet / qualitative (a target with no number) / no target.
    A lower-bound actual (突破2500) meets ≥ or > v when its bound already does; otherwise it
    cannot show the target was reached and counts as not met. A rank target (全国居前8) is met
    by a rank at or above it. -#}
{% macro target_attainment(kind, comparator, target, target_high, actual, actual_is_lower_bound) %}
    case
        when {{ kind }} is null then 'no target'
        when {{ kind }} = 'qualitative' then 'qualitative'
        when {{ actual }} is null then 'no actual yet'
        when {{ kind }} = 'rank' then
            case when {{ actual }} <= {{ target }} then 'met' else 'not met' end
        when {{ kind }} = 'range' then
            case
                when not {{ actual_is_lower_bound }} and {{ actual }} between {{ target }} and {{ target_high }}
                    then 'met'
                else 'not met'
            end
        when {{ comparator }} = '≥' then case when {{ actual }} >= {{ target }} then 'met' else 'not met' end
        when {{ comparator }} = '>' then
            case
                when {{ actual }} > {{ target }} then 'met'
                when {{ actual_is_lower_bound }} and {{ actual }} >= {{ target }} then 'met'
                else 'not met'
            end
        when {{ comparator }} = '=' then
            case when not {{ actual_is_lower_bound }} and {{ actual }} = {{ target }} then 'met' else 'not met' end
        when {{ comparator }} = '≤' then
            case when not {{ actual_is_lower_bound }} and {{ actual }} <= {{ target }} then 'met' else 'not met' end
        when {{ comparator }} = '<' then
            case when not {{ actual_is_lower_bound }} and {{ actual }} < {{ target }} then 'met' else 'not met' end
        else 'not met'
    end
{% endmacro %}
