CREATE TABLE `work_pools` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`description` text,
	`concurrency_limit` integer,
	`paused` integer NOT NULL,
	`default_queue_id` text NOT NULL,
	`config_version` integer NOT NULL,
	`online_until` text,
	`created` text NOT NULL,
	`updated` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `work_pools_name_unique` ON `work_pools` (`name`);--> statement-breakpoint
CREATE TABLE `work_queues` (
	`id` text PRIMARY KEY NOT NULL,
	`work_pool_name` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`priority` integer NOT NULL,
	`concurrency_limit` integer,
	`paused` integer NOT NULL,
	`last_polled` text,
	`created` text NOT NULL,
	`updated` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `work_queues_pool_name` ON `work_queues` (`work_pool_name`,`name`);