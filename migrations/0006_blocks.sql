CREATE TABLE `block_documents` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`block_schema_id` text NOT NULL,
	`block_type_id` text NOT NULL,
	`is_anonymous` integer NOT NULL,
	`data_cipher` text NOT NULL,
	`created` text NOT NULL,
	`updated` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `block_documents_type_name` ON `block_documents` (`block_type_id`,`name`);--> statement-breakpoint
CREATE TABLE `block_schemas` (
	`id` text PRIMARY KEY NOT NULL,
	`checksum` text NOT NULL,
	`fields` text NOT NULL,
	`block_type_id` text NOT NULL,
	`capabilities` text NOT NULL,
	`version` text NOT NULL,
	`created` text NOT NULL,
	`updated` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `block_schemas_checksum_version` ON `block_schemas` (`checksum`,`version`);--> statement-breakpoint
CREATE INDEX `block_schemas_type` ON `block_schemas` (`block_type_id`);--> statement-breakpoint
CREATE TABLE `block_types` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`logo_url` text,
	`documentation_url` text,
	`description` text,
	`code_example` text,
	`is_protected` integer DEFAULT false NOT NULL,
	`created` text NOT NULL,
	`updated` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `block_types_slug_unique` ON `block_types` (`slug`);