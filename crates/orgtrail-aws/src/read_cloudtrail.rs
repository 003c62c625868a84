//! Read trails in their home regions: DescribeTrails (shadow trails included, so every trail
//! that logs the region is seen), and per trail found its status, event and Insights
//! selectors, and tags (up to 20 trails per ListTags call).

use std::collections::BTreeMap;

use aws_sdk_cloudtrail::types as ct;

use crate::client::Aws;
use crate::error::{Absence, AwsError, call_error};
use crate::read_convert::{TrailDetail, convert_insights, convert_selectors, trail_health};

impl Aws {
    pub(crate) async fn describe_trails(&self, region: &str) -> Result<Vec<ct::Trail>, AwsError> {
        let _s = self.slot(&format!("cloudtrail/{region}")).await;
        let out = self
            .cloudtrail(region)
            .describe_trails()
            .include_shadow_trails(true)
            .send()
            .await
            .map_err(|e| {
                call_error(
                    "cloudtrail:DescribeTrails",
                    format!("trails in {region}"),
                    e,
                )
            })?;
        Ok(out.trail_list().to_vec())
    }

    pub(crate) async fn trail_detail(
        &self,
        arn: &str,
        region: &str,
    ) -> Result<TrailDetail, AwsError> {
        let c = self.cloudtrail(region);
        let resource = format!("trail {arn}");
        let endpoint = format!("cloudtrail/{region}");
        let status = async {
            let _s = self.slot(&endpoint).await;
            c.get_trail_status().name(arn).send().await
        };
        let selectors = async {
            let _s = self.slot(&endpoint).await;
            c.get_event_selectors().trail_name(arn).send().await
        };
        let insights = async {
            let _s = self.slot(&endpoint).await;
            c.get_insight_selectors().trail_name(arn).send().await
        };
        let (status, selectors, insights) = tokio::join!(status, selectors, insights);
        let status =
            status.map_err(|e| call_error("cloudtrail:GetTrailStatus", resource.clone(), e))?;
        let selectors = selectors
            .map_err(|e| call_error("cloudtrail:GetEventSelectors", resource.clone(), e))?;
        let insights = match insights {
            Ok(o) => convert_insights(o.insight_selectors(), &resource)?,
            Err(e) => call_error("cloudtrail:GetInsightSelectors", resource.clone(), e)
                .absent_as(Absence::InsightSelectors, Vec::new())?,
        };
        Ok(TrailDetail {
            logging: status.is_logging().unwrap_or(false),
            health: trail_health(&status),
            selectors: convert_selectors(
                selectors.event_selectors(),
                selectors.advanced_event_selectors(),
                &resource,
            )?,
            insights,
            tags: BTreeMap::new(),
        })
    }

    /// Tags of up to 20 trails of one region in one ListTags call (CloudTrail's limit per call).
    pub(crate) async fn tags(
        &self,
        region: &str,
        arns: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, AwsError> {
        let _s = self.slot(&format!("cloudtrail/{region}")).await;
        let out = self
            .cloudtrail(region)
            .list_tags()
            .set_resource_id_list(Some(arns.to_vec()))
            .send()
            .await
            .map_err(|e| {
                call_error(
                    "cloudtrail:ListTags",
                    format!("trails {}", arns.join(", ")),
                    e,
                )
            })?;
        let mut tags: BTreeMap<String, BTreeMap<String, String>> =
            arns.iter().map(|a| (a.clone(), BTreeMap::new())).collect();
        for r in out.resource_tag_list() {
            let Some(id) = r.resource_id() else { continue };
            let entry = tags.entry(id.to_string()).or_default();
            for t in r.tags_list() {
                entry.insert(
                    t.key().to_string(),
                    t.value().unwrap_or_default().to_string(),
                );
            }
        }
        Ok(tags)
    }
}
