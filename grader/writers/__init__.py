"""Writers turn the one results model into the formats people and tools read."""
