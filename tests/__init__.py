"""Tests of the template: its hooks, its bakes and the services it generates."""
