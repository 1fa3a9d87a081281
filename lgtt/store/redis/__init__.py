"""Redis backend: the RedisJSON documents and RediSearch indexes that `langgraph-checkpoint-redis` writes.

`keys` names the layout, `client` connects and pages through searches, `store` reads,
`serde` decodes strictly, `write` forks.
"""
