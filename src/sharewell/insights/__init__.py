"""Insights: posts of five kinds with threaded discussion, reactions, follows and feeds."""
