-- fill ids already stored for these makers (the fill id determines its maker)
SELECT id FROM fills WHERE maker IN (SELECT arrayJoin({makers:Array(String)}))
