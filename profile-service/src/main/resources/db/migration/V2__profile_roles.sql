-- Roles beyond a signed-in user's: editor, admin, service (comma-separated; empty for most profiles). Given by an
-- admin through PUT /profiles/{id}/roles; never by registration.
ALTER TABLE profile ADD COLUMN roles varchar(100) NOT NULL DEFAULT '';
