-- AlterTable
ALTER TABLE "cluster_memberships" ADD COLUMN     "metadata" JSONB;

-- AlterTable
ALTER TABLE "validation_results" ADD COLUMN     "metadata" JSONB;

-- AlterTable
ALTER TABLE "validation_statuses" ADD COLUMN     "metadata" JSONB;
