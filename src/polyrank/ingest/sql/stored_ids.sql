-- which of these fill or activity ids are stored already (a tape sweep's range read twice)
SELECT id FROM {table:Identifier} WHERE id IN {ids:Array(String)}
