"""refdesk-sciencedirect: a refdesk site add-on for ScienceDirect article pages."""
