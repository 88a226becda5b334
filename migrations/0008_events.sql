CREATE TABLE `events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`event` text NOT NULL,
	`occurred` text NOT NULL,
	`received` text NOT NULL,
	`resource_id` text NOT NULL,
	`related` text NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_id_unique` ON `events` (`id`);--> statement-breakpoint
CREATE INDEX `events_occurred` ON `events` (`occurred`,`seq`);--> statement-breakpoint
CREATE INDEX `events_event` ON `events` (`event`,`occurred`);--> statement-breakpoint
CREATE INDEX `events_resource` ON `events` (`resource_id`,`occurred`);