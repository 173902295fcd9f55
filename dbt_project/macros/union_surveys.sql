{#- One relation over the five studies' raw tables ``raw.survey_<study><suffix>``. -#}
{% macro union_surveys(suffix, columns) %}
{%- for study in var('survey_studies') %}
select {{ columns | join(', ') }}
from {{ source('raw', 'survey_' ~ study ~ suffix) }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% endmacro %}
