"""反电诈 transfer protection: real-time decisions, features, holds, early warning and dissuasion."""
