"""Rule packs shipped with dcaudit (data only; see README.md in this folder)."""
