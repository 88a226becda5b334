CREATE TABLE `retention_marks` (
	`name` text PRIMARY KEY NOT NULL,
	`end_time` text NOT NULL,
	`flow_run_id` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `deployments` ADD `retention_days` integer;--> statement-breakpoint
CREATE INDEX `flow_runs_end_time` ON `flow_runs` (`end_time`,`id`);--> statement-breakpoint
CREATE INDEX `task_run_cache_task_run` ON `task_run_cache` (`task_run_id`);