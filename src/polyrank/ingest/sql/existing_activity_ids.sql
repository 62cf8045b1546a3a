-- activity ids already stored for these wallets (the activity id determines its wallet)
SELECT id FROM activities WHERE wallet IN (SELECT arrayJoin({wallets:Array(String)}))
