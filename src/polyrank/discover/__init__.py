"""Discovery: find the wallets worth ranking and keep them in the store's registry."""
