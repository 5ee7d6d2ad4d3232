-- One database per service, owned by the application user (POSTGRES_USER). feed-service has none: it only calls the
-- others. Run once, when the data directory is first created (docker-entrypoint-initdb.d); compose mounts this file,
-- Kubernetes ships it in the postgres-init ConfigMap.
CREATE DATABASE catalog;
CREATE DATABASE profile;
CREATE DATABASE metrics;
