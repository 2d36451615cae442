"""Fraud-method knowledge base and scam screening of texts, links and payment pages."""
