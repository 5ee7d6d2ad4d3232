-- Counters arrive by write-behind: absolute values with the Redis log id of the write that produced them. A row is
-- only ever replaced by a newer log id, which makes applying a batch twice harmless.
CREATE TABLE item_counter (
    item_id    varchar(64) PRIMARY KEY,
    views      bigint      NOT NULL DEFAULT 0 CHECK (views >= 0),
    likes      bigint      NOT NULL DEFAULT 0 CHECK (likes >= 0),
    log_millis bigint      NOT NULL DEFAULT 0,
    log_seq    bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX item_counter_views_idx ON item_counter (views DESC, item_id);
CREATE INDEX item_counter_likes_idx ON item_counter (likes DESC, item_id);

-- A player's best score per board.
CREATE TABLE leaderboard_score (
    board      varchar(64) NOT NULL,
    player     varchar(64) NOT NULL,
    score      bigint      NOT NULL CHECK (score >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (board, player)
);
