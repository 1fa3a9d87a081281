"""The differential corpus: scenarios rebuilt from LangGraph's own tests, checked against its API."""
