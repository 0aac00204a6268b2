"""refdesk-openalex: abstracts and subjects (topics, keywords, concepts) from OpenAlex."""
