CREATE TABLE `deployment_withdrawals` (
	`id` text PRIMARY KEY NOT NULL,
	`deployment_id` text NOT NULL,
	`schedule_id` text,
	`after` text,
	`created` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `deployment_withdrawals_created` ON `deployment_withdrawals` (`created`,`id`);