CREATE TABLE `concurrency_leases` (
	`id` text PRIMARY KEY NOT NULL,
	`names` text NOT NULL,
	`created` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `concurrency_limits` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `concurrency_limits_name_unique` ON `concurrency_limits` (`name`);