"""refdesk-crossref: abstracts and journal subjects from the Crossref REST API, by DOI."""
