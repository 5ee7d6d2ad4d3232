-- Who likes what: one row per (item, profile), the truth about likes. `generation` counts the user's like/unlike
-- changes of the item; `counted` says whether the change's +1/-1 has reached the write-behind counter (keyed in
-- Redis by the item, the profile and the generation, so a change is counted once however often it is re-sent).
CREATE TABLE item_like (
    item_id    varchar(64) NOT NULL,
    profile_id bigint      NOT NULL,
    liked      boolean     NOT NULL DEFAULT false,
    generation bigint      NOT NULL DEFAULT 0,
    counted    boolean     NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, profile_id)
);
