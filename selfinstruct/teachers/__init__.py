"""How a request reaches a teacher: the client and its transports (live requests, the Batch
API), the response cache, client-side rate limits, prices, and the embedded local teacher."""
