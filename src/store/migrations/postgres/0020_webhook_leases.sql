-- 0020: the deliveries in flight, for the claim's fairness (session 37).
--
-- A claim now skips an endpoint that has a delivery in flight (one at a
-- time per endpoint), and a customer's endpoint whose owner has its share
-- of the senders in flight: one account's receivers that never answer
-- held every sender while other accounts' events waited.  Both read the
-- rows whose lease runs (leased_until > now): this index holds only the
-- leased rows (an outcome sets leased_until back to 0), a few at any time.
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries(endpoint_id, leased_until)
  WHERE leased_until > 0;
