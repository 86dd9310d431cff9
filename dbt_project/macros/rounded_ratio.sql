{#
    numerator / denominator rounded half up to `decimals` places, exactly: the two are integer
    (hugeint) expressions in one unit, the numerator at least 0 and the denominator above 0;
    `decimals` is an integer expression from 0 to 4 (a stated figure's precision, see
    printed_decimals). Integer arithmetic, so a rate or a score is compared digit for digit as
    printed, never through a float.
#}
{% macro rounded_ratio(numerator, denominator, decimals) %}
    (
        cast(
            (2 * ({{ numerator }}) * cast(pow(10, {{ decimals }}) as hugeint) + ({{ denominator }}))
            // (2 * ({{ denominator }})) as decimal(38, 4)
        )
        * case {{ decimals }} when 0 then 1 when 1 then 0.1 when 2 then 0.01 when 3 then 0.001 else 0.0001 end
    )
{% endmacro %}

{#
    The decimals of a stored figure, its trailing zeros dropped: 98.4200 → 2, 9.5000 → 1, 100.0000
    → 0. A figure kept as DECIMAL(20, 4) no longer knows how many decimals it was printed with, so
    this is its precision at the least (98.40% reads as one decimal).
#}
{% macro printed_decimals(value) %}
    length(split_part(rtrim(rtrim(cast(cast({{ value }} as decimal(38, 4)) as varchar), '0'), '.'), '.', 2))
{% endmacro %}

{#- An amount (DECIMAL, at most 4 decimals) as an exact integer of its ten-thousandths. -#}
{% macro amount_units(value) %}
    cast(round(({{ value }}) * 10000) as hugeint)
{% endmacro %}
