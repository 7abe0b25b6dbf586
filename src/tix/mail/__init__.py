"""Mail in and out: parsing, sources, composing, the outbox and delivery."""
