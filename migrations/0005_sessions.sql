CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`key_id` text,
	`admin_key_check` text,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sign_in_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`key_id` text,
	`admin_key_check` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
