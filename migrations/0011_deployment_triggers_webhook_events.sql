PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`deployment_id` text,
	`auth` text NOT NULL,
	`secret_hash` text,
	`secret_cipher` text,
	`parameter_mapping` text,
	`event` text,
	`active` integer NOT NULL,
	`created` text NOT NULL,
	`updated` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_webhooks`("id", "slug", "name", "deployment_id", "auth", "secret_hash", "secret_cipher", "parameter_mapping", "active", "created", "updated") SELECT "id", "slug", "name", "deployment_id", "auth", "secret_hash", "secret_cipher", "parameter_mapping", "active", "created", "updated" FROM `webhooks`;--> statement-breakpoint
DROP TABLE `webhooks`;--> statement-breakpoint
ALTER TABLE `__new_webhooks` RENAME TO `webhooks`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `webhooks_slug_unique` ON `webhooks` (`slug`);--> statement-breakpoint
CREATE INDEX `webhooks_deployment` ON `webhooks` (`deployment_id`);--> statement-breakpoint
ALTER TABLE `automations` ADD `deployment_id` text;--> statement-breakpoint
ALTER TABLE `automations` ADD `deployment_trigger` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `automations_deployment_trigger` ON `automations` (`deployment_id`,`deployment_trigger`);--> statement-breakpoint
ALTER TABLE `deployments` ADD `triggers` text DEFAULT '[]' NOT NULL;