"""refdesk-doaj: article abstracts and keywords, and journal subjects (LCC), from the Directory of Open Access Journals."""
