-- The long form of every study and wave: one row per respondent and coded variable (and option
-- of a multi-answer question), with the canonical answer; null answer = item non-response.
{{ union_surveys('_answers', [
    'study', 'wave', 'respondent_id', 'role', 'question', 'option',
    'cast(answer_code as double) as answer_code', 'answer',
    '_source_file as source_file', '_source_row as source_row',
]) }}
