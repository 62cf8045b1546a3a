SELECT DISTINCT token_id FROM tokens
