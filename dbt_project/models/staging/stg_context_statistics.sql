-- The context statistics as delivered (raw.context_statistics), with the row each comes from.
select
    indicator_id,
    geo_level,
    geo_code,
    cast(year as integer) as year,
    cast(value as double) as value,
    unit,
    source,
    nature,
    _source_file as source_file,
    _source_row as source_row
from {{ source('raw', 'context_statistics') }}
