ALTER TABLE `automations` ADD `deployment_id` text;--> statement-breakpoint
ALTER TABLE `automations` ADD `deployment_trigger` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `automations_deployment_trigger` ON `automations` (`deployment_id`,`deployment_trigger`);--> statement-breakpoint
ALTER TABLE `deployments` ADD `triggers` text DEFAULT '[]' NOT NULL;