CREATE TABLE `deployment_schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`deployment_id` text NOT NULL,
	`position` integer NOT NULL,
	`schedule` text NOT NULL,
	`active` integer NOT NULL,
	`parameters` text NOT NULL,
	`catchup` text NOT NULL,
	`max_active_runs` integer,
	`scheduled_until` integer,
	`next_check_at` integer,
	`created` text NOT NULL,
	`updated` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `deployment_schedules_deployment` ON `deployment_schedules` (`deployment_id`,`position`);--> statement-breakpoint
CREATE INDEX `deployment_schedules_next_check` ON `deployment_schedules` (`next_check_at`,`id`);--> statement-breakpoint
CREATE TABLE `deployments` (
	`id` text PRIMARY KEY NOT NULL,
	`flow_id` text NOT NULL,
	`name` text NOT NULL,
	`entrypoint` text,
	`work_pool_name` text,
	`work_queue_name` text,
	`parameters` text NOT NULL,
	`parameter_openapi_schema` text,
	`enforce_parameter_schema` integer NOT NULL,
	`tags` text NOT NULL,
	`description` text,
	`version` text,
	`paused` integer NOT NULL,
	`concurrency_limit` integer,
	`collision_strategy` text,
	`grace_period_seconds` integer,
	`created` text NOT NULL,
	`updated` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deployments_flow_name` ON `deployments` (`flow_id`,`name`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`deployment_id` text NOT NULL,
	`auth` text NOT NULL,
	`secret_hash` text,
	`secret_cipher` text,
	`parameter_mapping` text,
	`active` integer NOT NULL,
	`created` text NOT NULL,
	`updated` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhooks_slug_unique` ON `webhooks` (`slug`);--> statement-breakpoint
CREATE INDEX `webhooks_deployment` ON `webhooks` (`deployment_id`);