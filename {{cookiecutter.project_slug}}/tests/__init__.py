"""Tests run against a real database built by the migrations."""
