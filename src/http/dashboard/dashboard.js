// dashboard (placeholder)
