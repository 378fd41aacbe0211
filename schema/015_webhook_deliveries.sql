-- 015: webhook delivery ids, shared by every daemon
--
-- A signed delivery replayed to another daemon (or to this one after a
-- restart) must be recognised: the ids live here, not in one process's
-- memory. Rows older than 30 days are removed as new ones arrive (hosts do
-- not redeliver that late).
CREATE TABLE webhook_deliveries (
    source text NOT NULL,
    delivery text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, delivery)
);
CREATE INDEX webhook_deliveries_received_at ON webhook_deliveries (received_at);
