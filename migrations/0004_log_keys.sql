ALTER TABLE `logs` ADD `key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `logs_key` ON `logs` (`key`);