CREATE TABLE `artifacts` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`key` text,
	`type` text NOT NULL,
	`description` text,
	`data` text,
	`data_key` text,
	`metadata` text,
	`flow_run_id` text,
	`task_run_id` text,
	`created` text NOT NULL,
	`updated` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `artifacts_id_unique` ON `artifacts` (`id`);--> statement-breakpoint
CREATE INDEX `artifacts_key` ON `artifacts` (`key`,`seq`);--> statement-breakpoint
CREATE INDEX `artifacts_flow_run` ON `artifacts` (`flow_run_id`,`seq`);--> statement-breakpoint
CREATE TABLE `variables` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`value` text NOT NULL,
	`tags` text NOT NULL,
	`created` text NOT NULL,
	`updated` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `variables_name_unique` ON `variables` (`name`);