CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`scope` text NOT NULL,
	`prefix` text NOT NULL,
	`hash` text NOT NULL,
	`created` text NOT NULL,
	`expires_at` text,
	`revoked_at` text,
	`last_used_at` text
);
--> statement-breakpoint
CREATE TABLE `flow_run_tags` (
	`flow_run_id` text NOT NULL,
	`tag` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `flow_run_tags_pk` ON `flow_run_tags` (`tag`,`flow_run_id`);--> statement-breakpoint
CREATE INDEX `flow_run_tags_run` ON `flow_run_tags` (`flow_run_id`);--> statement-breakpoint
CREATE TABLE `flow_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`flow_id` text NOT NULL,
	`name` text NOT NULL,
	`state_type` text,
	`state_name` text,
	`state_version` integer NOT NULL,
	`tags` text NOT NULL,
	`deployment_id` text,
	`work_pool_name` text,
	`work_queue_name` text,
	`parent_task_run_id` text,
	`idempotency_key` text,
	`expected_start_time` text,
	`next_scheduled_start_time` text,
	`start_time` text,
	`end_time` text,
	`created` text NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `flow_runs_flow_id` ON `flow_runs` (`flow_id`);--> statement-breakpoint
CREATE INDEX `flow_runs_state_type` ON `flow_runs` (`state_type`,`next_scheduled_start_time`);--> statement-breakpoint
CREATE INDEX `flow_runs_deployment` ON `flow_runs` (`deployment_id`);--> statement-breakpoint
CREATE INDEX `flow_runs_expected_start` ON `flow_runs` (`expected_start_time`);--> statement-breakpoint
CREATE INDEX `flow_runs_parent_task` ON `flow_runs` (`parent_task_run_id`);--> statement-breakpoint
CREATE TABLE `flows` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`created` text NOT NULL,
	`updated` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `flows_name_unique` ON `flows` (`name`);--> statement-breakpoint
CREATE TABLE `logs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`flow_run_id` text NOT NULL,
	`task_run_id` text,
	`level` integer NOT NULL,
	`name` text NOT NULL,
	`message` text NOT NULL,
	`timestamp` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `logs_flow_run` ON `logs` (`flow_run_id`,`timestamp`);--> statement-breakpoint
CREATE INDEX `logs_timestamp` ON `logs` (`timestamp`);--> statement-breakpoint
CREATE TABLE `task_run_cache` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`cache_key` text NOT NULL,
	`cache_expiration` text,
	`task_run_id` text NOT NULL,
	`state` text NOT NULL,
	`created` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `task_run_cache_key` ON `task_run_cache` (`cache_key`,`id`);--> statement-breakpoint
CREATE TABLE `task_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`flow_run_id` text NOT NULL,
	`task_key` text NOT NULL,
	`dynamic_key` text NOT NULL,
	`name` text NOT NULL,
	`state_type` text,
	`state_name` text,
	`state_version` integer NOT NULL,
	`tags` text NOT NULL,
	`expected_start_time` text,
	`end_time` text,
	`created` text NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `task_runs_flow_run` ON `task_runs` (`flow_run_id`,`expected_start_time`);--> statement-breakpoint
CREATE INDEX `task_runs_state` ON `task_runs` (`state_type`);