-- How many people answered each survey wave in each region: the methodology says how many
-- were asked in the region and how precise that makes a share.
select
    region_code,
    study,
    wave,
    count(*) as respondents
from {{ ref('stg_survey_respondents') }}
where region_code is not null
group by all
order by all
