"""refdesk-oai: subjects and abstracts from Open Journal Systems' OAI-PMH endpoint."""
