CREATE TABLE flag (
    name        varchar(64)  PRIMARY KEY,
    enabled     boolean      NOT NULL,
    description varchar(500),
    updated_at  timestamptz  NOT NULL
);

INSERT INTO flag (name, enabled, description, updated_at)
VALUES ('show-discounts', false, 'Product reads also show a discounted price', now());
