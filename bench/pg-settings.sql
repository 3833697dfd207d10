-- PostgreSQL 15 settings for a machine given to Lvze (here: 2 cores, 23 GB, SSD), as an IT
-- office would set them once (psql -f bench/pg-settings.sql, then restart PostgreSQL).
-- The defaults are for a shared laptop: 128 MB of cache for a 10 GB database.
ALTER SYSTEM SET shared_buffers = '4GB';            -- about a quarter of memory
ALTER SYSTEM SET effective_cache_size = '16GB';     -- what the OS caches besides
ALTER SYSTEM SET work_mem = '32MB';                 -- per sort or hash, per statement
ALTER SYSTEM SET maintenance_work_mem = '1GB';      -- index builds, VACUUM
ALTER SYSTEM SET max_wal_size = '8GB';              -- a million-row import without forced checkpoints
ALTER SYSTEM SET checkpoint_completion_target = 0.9;
ALTER SYSTEM SET random_page_cost = 1.1;            -- SSD: an index page costs about what a sequential one does
ALTER SYSTEM SET effective_io_concurrency = 200;
